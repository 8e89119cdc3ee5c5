"""The sandbox's request handlers, one per Podio operation, in modules by route family.

Each handler takes the request context (server.Ctx) and the groups of its path; server.py's
route table maps method and path to them. common.py holds what the families share.
"""
