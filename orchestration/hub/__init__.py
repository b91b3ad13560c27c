"""A hub of many councils: the roll-up of the authorities' publications into the hub file."""
