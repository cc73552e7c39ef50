"""Settings, domain types, keyed hashing, masking, normalisation and errors.

Everything that more than one stage needs to agree on lives here, so that
every stage hashes, masks and normalises a value the same way.
"""
