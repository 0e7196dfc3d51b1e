#!/usr/bin/env python3
"""Smoke test for the CI search nodes started by .ci/engines.sh (stdlib only).

Usage: python3 .ci/engines/smoke.py [URL ...]
Default URLs: $ARSHIF_OPENSEARCH_URL or http://127.0.0.1:9201, $ARSHIF_ELASTICSEARCH_URL or
http://127.0.0.1:9202.  On each node it creates an index with a custom Arabic + English
analysis chain (mapping char_filter, decimal_digit, arabic_normalization, arabic_stem,
explicit stop list, porter_stem, keyword normalizer), indexes two documents and checks
match, terms and date_histogram aggregations, more_like_this, highlighting, scroll and
point-in-time.  Prints one line per check and a closing 'N passed, N failed' line.
"""
import json
import os
import sys
import urllib.error
import urllib.request

INDEX = "arshif-smoke"

SETTINGS = {
    "settings": {
        "number_of_shards": 1,
        "number_of_replicas": 0,
        "analysis": {
            "char_filter": {
                "ar_chars": {"type": "mapping", "mappings": ["\\u0640=>", "\\u0671=>\\u0627"]},
            },
            "filter": {
                "ar_stop": {"type": "stop", "stopwords": ["في", "من", "على"]},
                "en_stop": {"type": "stop", "stopwords": ["the", "a", "of", "in"]},
            },
            "normalizer": {
                "ar_keyword": {"type": "custom", "filter": ["lowercase", "arabic_normalization"]},
            },
            "analyzer": {
                "arshif_ar": {
                    "type": "custom",
                    "char_filter": ["ar_chars"],
                    "tokenizer": "standard",
                    "filter": ["lowercase", "decimal_digit", "arabic_normalization", "ar_stop", "arabic_stem"],
                },
                "arshif_en": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["lowercase", "decimal_digit", "en_stop", "porter_stem"],
                },
            },
        },
    },
    "mappings": {
        "properties": {
            "title": {"type": "text", "analyzer": "arshif_ar", "fields": {"en": {"type": "text", "analyzer": "arshif_en"}}},
            "body": {"type": "text", "analyzer": "arshif_ar", "term_vector": "with_positions_offsets"},
            "source": {"type": "keyword", "normalizer": "ar_keyword"},
            "lang": {"type": "keyword"},
            "published": {"type": "date"},
        }
    },
}

DOCS = [
    {"title": "معركة الباغوز الأخيرة", "body": "انتهت المعركة في والباغوز بعد ١٢ يوما من القتال",
     "source": "الجزيرة", "lang": "ar", "published": "2019-03-23T10:00:00Z"},
    {"title": "Reports from Baghouz", "body": "قالت التقارير إن المعركة في الباغوز انتهت بعد القتال عام 2019",
     "source": "إلجزيرة", "lang": "en", "published": "2019-04-02T08:30:00Z"},
]


class Node:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def req(self, method, path, body=None, ok=(200, 201)):
        data = None
        headers = {}
        if body is not None:
            if isinstance(body, str):
                data = body.encode()
                headers["Content-Type"] = "application/x-ndjson"
            else:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        r = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(r, timeout=30) as resp:
                txt = resp.read().decode()
                return resp.status, (json.loads(txt) if txt else {})
        except urllib.error.HTTPError as e:
            txt = e.read().decode()
            if e.code in ok:
                return e.code, json.loads(txt)
            raise AssertionError(f"{method} {path} -> {e.code}: {txt[:400]}")


def run(url):
    n = Node(url)
    results = []

    def check(name, fn):
        try:
            detail = fn()
            results.append(True)
            print(f"  ok   {name}" + (f": {detail}" if detail else ""))
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            results.append(False)
            print(f"  FAIL {name}: {e}")

    _, info = n.req("GET", "/")
    dist = info["version"].get("distribution", "elasticsearch")
    print(f"{url}: {dist} {info['version']['number']}")
    n.req("DELETE", f"/{INDEX}", ok=(200, 404))

    def create():
        n.req("PUT", f"/{INDEX}", SETTINGS)
        nd = "".join(json.dumps({"index": {"_id": str(i + 1)}}) + "\n" + json.dumps(d, ensure_ascii=False) + "\n"
                     for i, d in enumerate(DOCS))
        _, r = n.req("POST", f"/{INDEX}/_bulk?refresh=true", nd)
        assert not r["errors"], r
    check("create index with custom analyzers + bulk 2 docs", create)

    def analyze():
        _, r = n.req("POST", f"/{INDEX}/_analyze", {"analyzer": "arshif_ar", "text": "والباغوز الكتـــاب ١٢٣"})
        toks = [t["token"] for t in r["tokens"]]
        assert toks == ["باغوز", "كتاب", "123"], toks
        return " ".join(toks)
    check("_analyze arshif_ar 'والباغوز الكتـــاب ١٢٣'", analyze)

    def match():
        _, r = n.req("POST", f"/{INDEX}/_search", {"query": {"match": {"body": "الباغوز"}}})
        ids = sorted(h["_id"] for h in r["hits"]["hits"])
        assert ids == ["1", "2"], ids
        _, r = n.req("POST", f"/{INDEX}/_search", {"query": {"match": {"title.en": "report"}}})
        assert [h["_id"] for h in r["hits"]["hits"]] == ["2"], r["hits"]
        _, r = n.req("POST", f"/{INDEX}/_search", {"query": {"term": {"source": "الجزيرة"}}})
        assert r["hits"]["total"]["value"] == 2, r["hits"]
        return "ar stem+normalization, en porter, keyword normalizer"
    check("match queries", match)

    def aggs():
        _, r = n.req("POST", f"/{INDEX}/_search", {"size": 0, "aggs": {
            "langs": {"terms": {"field": "lang"}},
            "months": {"date_histogram": {"field": "published", "calendar_interval": "month"}}}})
        langs = {b["key"]: b["doc_count"] for b in r["aggregations"]["langs"]["buckets"]}
        months = [(b["key_as_string"][:7], b["doc_count"]) for b in r["aggregations"]["months"]["buckets"]]
        assert langs == {"ar": 1, "en": 1}, langs
        assert months == [("2019-03", 1), ("2019-04", 1)], months
        return f"terms={langs} date_histogram={months}"
    check("terms + date_histogram aggregations", aggs)

    def mlt():
        _, r = n.req("POST", f"/{INDEX}/_search", {"query": {"more_like_this": {
            "fields": ["body"], "like": [{"_index": INDEX, "_id": "1"}], "min_term_freq": 1, "min_doc_freq": 1}}})
        ids = [h["_id"] for h in r["hits"]["hits"]]
        assert ids == ["2"], ids
        return f"like doc 1 -> {ids}"
    check("more_like_this", mlt)

    def highlight():
        _, r = n.req("POST", f"/{INDEX}/_search", {"query": {"match": {"body": "الباغوز"}},
                                                  "highlight": {"fields": {"body": {}}}})
        frags = {h["_id"]: h["highlight"]["body"][0] for h in r["hits"]["hits"]}
        assert "<em>والباغوز</em>" in frags["1"], frags
        _, r = n.req("POST", f"/{INDEX}/_search", {"query": {"match": {"body": "الباغوز"}},
                                                  "highlight": {"fields": {"body": {"type": "fvh"}}}})
        assert all("<em>" in h["highlight"]["body"][0] for h in r["hits"]["hits"])
        return frags["1"]
    check("highlight (unified + fvh)", highlight)

    def scroll():
        _, r = n.req("POST", f"/{INDEX}/_search?scroll=1m", {"size": 1, "sort": ["_doc"]})
        sid, seen = r["_scroll_id"], len(r["hits"]["hits"])
        _, r = n.req("POST", "/_search/scroll", {"scroll": "1m", "scroll_id": sid})
        seen += len(r["hits"]["hits"])
        n.req("DELETE", "/_search/scroll", {"scroll_id": r["_scroll_id"]})
        assert seen == 2, seen
    check("scroll", scroll)

    def pit():
        if dist == "opensearch":
            _, r = n.req("POST", f"/{INDEX}/_search/point_in_time?keep_alive=1m")
            pid = r["pit_id"]
        else:
            _, r = n.req("POST", f"/{INDEX}/_pit?keep_alive=1m")
            pid = r["id"]
        _, r = n.req("POST", "/_search", {"size": 10, "pit": {"id": pid, "keep_alive": "1m"},
                                         "query": {"match": {"body": "الباغوز"}}, "sort": [{"published": "asc"}]})
        assert len(r["hits"]["hits"]) == 2, r["hits"]
        if dist == "opensearch":
            n.req("DELETE", "/_search/point_in_time", {"pit_id": [pid]})
        else:
            n.req("DELETE", "/_pit", {"id": pid})
    check("point in time", pit)

    n.req("DELETE", f"/{INDEX}", ok=(200, 404))
    return results


def main(argv):
    urls = argv[1:] or [os.environ.get("ARSHIF_OPENSEARCH_URL", "http://127.0.0.1:9201"),
                        os.environ.get("ARSHIF_ELASTICSEARCH_URL", "http://127.0.0.1:9202")]
    allres = []
    for u in urls:
        try:
            allres += run(u)
        except Exception as e:  # noqa: BLE001
            print(f"  FAIL {u}: {e}")
            allres.append(False)
    passed, failed = allres.count(True), allres.count(False)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
