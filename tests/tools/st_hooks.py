"""Schemathesis hooks for mfo-api (issue 9, suite 5): a strategy for the one custom scalar
schemathesis cannot generate by itself. `Decimal` travels as a string (e.g. "300000.50"):
well-formed decimals of every size, and now and then any text, so both the parser and
the business rules behind it are reached."""

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**15, max_value=10**15).map(str)
schemathesis.graphql.scalar("Decimal", st.one_of(decimals, decimals, st.text(max_size=40)).map(nodes.String))
