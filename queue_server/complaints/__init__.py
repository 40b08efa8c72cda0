"""Complaints (pengaduan, UU 25/2009 Pasal 36–42): filed by visitors with a tracking code, answered by staff.

Plain Python, no Flask: ``desk.Complaints`` holds the rules, ``store`` all their SQL; the web layer
is queue_server/complaints_api.py and the pages kiosk/complaint_page.py and admin/complaints.py.
"""
