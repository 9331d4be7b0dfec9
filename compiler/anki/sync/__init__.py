"""``studyc sync``: the plan (what to change in a collection) and the two ways to apply it."""
