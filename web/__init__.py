"""The read path: the JSON API, the HTML pages and their templates, over one search service."""
