"""Comparisons with reference validators run next to ours on the shared corpus."""
