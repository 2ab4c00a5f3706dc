"""WeCom (企业微信) adapter: callback crypto and routes, message parsing, webhook sending, archive import.

Modules: `crypto` (WXBizMsgCrypt), `messages` (callbacks -> Incoming), `callback` (aiohttp
routes), `render` + `webhook` + `channel` (sending), `archive` (会话内容存档 records).
"""
