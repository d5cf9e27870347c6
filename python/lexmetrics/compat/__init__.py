"""Drop-in layers that mirror the reference packages' own names: migrating is an import change."""
