"""Legenda's Python side, run by Pyodide inside the page's Web Worker.

It captions an image and translates the caption with Transformers.js (through
transformers-js-py). The modules that do not touch the browser (settings, languages, text,
errors) are plain Python and tested in CPython; the rest need Pyodide's ``js`` module.
"""
