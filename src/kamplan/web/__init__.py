"""The static, offline site: a portfolio dashboard and one interactive page per account."""
