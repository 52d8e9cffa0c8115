"""`reports`: the HTML reports of check and load, rendered from Jinja2 templates; their charts."""
