"""Duplicate contacts (issue 17): the matching rule, the finder, the merge service and their pages."""
