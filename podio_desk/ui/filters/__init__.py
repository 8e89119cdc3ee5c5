"""The filter bar's parts: the chip flow layout, the chips, the date-range and the
relationship/contact pickers (ui/filter_bar.py puts them together)."""
