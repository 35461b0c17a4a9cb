"""The REST API of the prospects app (issue 18): thin views over the selectors, rights and services."""
