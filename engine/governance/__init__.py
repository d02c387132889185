"""Governance: the store of custom policies, profiles and waivers with history and an audit log
(store), waivers (waivers), tailoring profiles (profiles).

Modules: profiles, store, waivers.

May import: validate, policies, shacl, workload, lens and the core.
"""
