# W3 baseline: pwsh -NoProfile doing nothing.
