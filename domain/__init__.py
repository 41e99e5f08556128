"""Domain rules: plain functions over plain data, with no Teams and no database."""
