-- Drive `kamplan lsp` from Neovim's own LSP client (headless): open a plan, wait for diagnostics, ask for
-- a hover card, a definition and completions, write what came back as JSON (tests/test_lsp_neovim.py).
local out_path = os.getenv("KAMPLAN_NVIM_OUT")
local python = os.getenv("KAMPLAN_PYTHON")
local plan = os.getenv("KAMPLAN_PLAN")
vim.cmd("edit " .. plan)
local buf = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "kamplan",
  cmd = { python, "-m", "kamplan", "lsp" },
  root_dir = vim.fn.fnamemodify(plan, ":h:h"),
})
vim.lsp.buf_attach_client(buf, client_id)
local result = { diagnostics = {}, hover = nil, definition = nil }
local ok = vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 100)
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(result.diagnostics, { code = d.code, lnum = d.lnum, col = d.col, message = d.message,
                                     severity = d.severity })
end
local function at(pattern, offset)
  for lnum, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local s = string.find(line, pattern, 1, true)
    if s then return { line = lnum - 1, character = s - 1 + offset } end
  end
end
local uri = vim.uri_from_bufnr(buf)
local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover",
  { textDocument = { uri = uri }, position = at("reports_to: larsen", 13) }, 10000)
for _, r in pairs(hover or {}) do if r.result then result.hover = r.result.contents.value end end
local def = vim.lsp.buf_request_sync(buf, "textDocument/definition",
  { textDocument = { uri = uri }, position = at("reports_to: larsen", 13) }, 10000)
for _, r in pairs(def or {}) do if r.result and r.result[1] then result.definition = r.result[1].range.start.line end end
local comp = vim.lsp.buf_request_sync(buf, "textDocument/completion",
  { textDocument = { uri = uri }, position = at("attitude: ", 10) }, 10000)
result.completion = {}
for _, r in pairs(comp or {}) do
  for _, item in ipairs(r.result and r.result.items or {}) do table.insert(result.completion, item.label) end
end
result.waited = ok
local f = io.open(out_path, "w")
f:write(vim.fn.json_encode(result))
f:close()
vim.lsp.stop_client(client_id)
vim.cmd("qall!")
