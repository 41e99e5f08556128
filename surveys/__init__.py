"""Survey definitions: one JSON file per survey (see `domain.surveys`)."""
