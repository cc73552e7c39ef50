"""Pictures sellers attach: decoded under explicit limits, read by OCR, scanned for PII, linked by perceptual hash.

Imports core and pii only; the pipeline feeds the text on to the listing
facts and the graph (docs/images.md).
"""
