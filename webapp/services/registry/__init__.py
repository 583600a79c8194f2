"""The registry: households (KK), people (NIK), enrolments in programs and distribution lines.

One module per use-case area: ``identity`` (the NIK and KK rules), and, as they come, entry,
search, import and recipient lists.
"""
