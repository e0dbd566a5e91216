"""Plans as code: fmt (comment-keeping writes), diff between revisions, import/merge, git access, scaffolds."""
