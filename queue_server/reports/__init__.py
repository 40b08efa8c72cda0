"""The hall's reports: figures for any period, read from the event log (the single source of truth).

``facts`` turns events into legs (a ticket's visit to one service) and spans (an officer's time at
a counter), ``summaries`` keeps them in two tables as events commit and rebuilds them exactly from
the log, ``store`` holds all their SQL, ``figures`` computes every figure of a report from them and
``exports`` writes CSV and XLSX. Plain Python: the web layer is admin/reports_api.py.
"""
