"""Hostile inputs shared by the in-process and the CLI tests: name -> (filename, bytes).

``{url}`` in a case is replaced by the address of a local HTTP server that records every
request, so a test can prove the loader never reached it.
"""

from __future__ import annotations

CASES: dict[str, tuple[str, bytes]] = {
    "jsonld-remote-context": ("w.jsonld", b'{"@context": "{url}/ctx.jsonld", "@id": "urn:x", '
                              b'"@type": "https://w3id.org/mlwa/ontology#Workload"}'),
    "jsonld-remote-context-in-list": ("w.jsonld", b'{"@context": [{"a": "urn:a#"}, '
                                      b'"{url}/ctx2.jsonld"], "@id": "urn:x"}'),
    "jsonld-scoped-remote-context": ("w.jsonld", b'{"@context": {"T": {"@id": "urn:t", '
                                     b'"@context": "{url}/scoped.jsonld"}}, "@type": "T"}'),
    "jsonld-import": ("w.jsonld", b'{"@context": {"@version": 1.1, "@import": '
                      b'"{url}/import.jsonld"}, "@id": "urn:x"}'),
    "jsonld-file-context": ("w.jsonld", b'{"@context": "file:///dev/zero", "@id": "urn:x"}'),
    "jsonld-relative-context": ("w.jsonld", b'{"@context": "ctx.jsonld", "@id": "urn:x"}'),
    "json-remote-context-by-content": ("w.json", b'{"@context": "{url}/sniffed.jsonld"}'),
    "rdfxml-entity-bomb": ("w.rdf", b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n'
                           b'<!ENTITY lol "lol">\n<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;'
                           b'&lol;&lol;&lol;&lol;&lol;">\n<!ENTITY lol3 "&lol2;&lol2;&lol2;'
                           b'&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n<rdf:RDF '
                           b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                           b'<rdf:Description rdf:about="urn:x"><rdf:value>&lol3;'
                           b'</rdf:value></rdf:Description></rdf:RDF>'),
    "rdfxml-external-entity": ("w.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e '
                               b'SYSTEM "{url}/xxe">]><rdf:RDF xmlns:rdf="http://www.w3.org/'
                               b'1999/02/22-rdf-syntax-ns#">&e;</rdf:RDF>'),
    "rdfxml-disguised-as-yaml": ("w.yaml", b'<?xml version="1.0"?>\n<!DOCTYPE x>\n<x/>'),
    "yaml-alias-bomb": ("w.yaml", b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol"]\n'
                        b'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\n'
                        b'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d]\n'),
    "yaml-python-object": ("w.yaml", b'id: x\nname: !!python/object/apply:os.system ["echo pwned"]\n'),
    "yaml-python-name": ("w.yaml", b'id: !!python/name:os.system\nname: x\n'),
    "yaml-custom-tag": ("w.yaml", b'id: !include /etc/passwd\nname: x\n'),
    "yaml-merge-key": ("w.yaml", b'base: &b {a: 1}\nid: x\nname: y\n<<: *b\n'),
    "yaml-deep-flow": ("w.yaml", b"[" * 50_000 + b"]" * 50_000),
    "yaml-deep-block": ("w.yaml", b"".join(b"  " * i + b"k:\n" for i in range(200))),
    "json-deep": ("w.json", b"[" * 100_000 + b"]" * 100_000),
    "jsonld-deep": ("w.jsonld", b'{"@context": {}, "x": ' + b"[" * 100_000 + b"]" * 100_000
                    + b"}"),
    "turtle-deep": ("w.ttl", b"@prefix : <urn:x#> .\n:a :b " + b"[ :c " * 20_000 + b"1"
                    + b" ]" * 20_000 + b" .\n"),
    "turtle-deep-collection": ("w.ttl", b"@prefix : <urn:x#> .\n:a :b " + b"( " * 20_000
                               + b")" * 20_000 + b" .\n"),
    "turtle-no-workload": ("w.ttl", b"@prefix : <urn:x#> .\n:a :b :c .\n"),
    "invalid-utf8": ("w.yaml", b"id: caf\xe9\nname: x\n"),
    "binary": ("w.yaml", bytes(range(256)) * 8),
    "png-header": ("w.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    "empty": ("w.yaml", b""),
    "whitespace-only": ("w.yaml", b"   \n\n  \t\n"),
    "comment-only": ("w.yaml", b"# nothing here\n"),
    "yaml-null": ("w.yaml", b"~\n"),
    "yaml-scalar": ("w.yaml", b"just a string\n"),
    "yaml-list": ("w.yaml", b"- a\n- b\n"),
    "json-scalar": ("w.json", b"42"),
    "json-nan": ("w.json", b'{"id": "x", "name": "y", "budgets": [{"name": "b", "amount": NaN}]}'),
    "json-duplicate-key": ("w.json", b'{"id": "x", "id": "y", "name": "z"}'),
    "yaml-two-documents": ("w.yaml", b"id: a\nname: b\n---\nid: c\nname: d\n"),
    "yaml-huge-int": ("w.yaml", b"id: x\nname: y\nendpoints: [{name: e, instances: "
                      + b"9" * 5000 + b"}]\n"),
    "long-string": ("w.yaml", b"id: x\nname: " + b"a" * 200_000 + b"\n"),
    "many-nodes": ("w.yaml", b"id: x\nname: y\ntags: {" + b", ".join(
        b"k%d: v" % i for i in range(60_000)) + b"}\n"),
    "unknown-practice": ("w.yaml", b"id: x\nname: y\nattestations:\n  - {practice: MLXX-99, "
                         b"status: implemented, owner: me, date: 2026-01-01}\n"),
    "impossible-date": ("w.yaml", b"id: x\nname: y\nattestations:\n  - {practice: MLOE-01, "
                        b"status: implemented, owner: me, date: 2026-02-30}\n"),
}

# Cases that are about the size cap: loaded with a small max_bytes.
OVERSIZE = ("w.yaml", b"id: x\nname: y\n" + b"# padding\n" * 20_000)
