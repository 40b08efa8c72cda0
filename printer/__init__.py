"""Printed tickets: the layout (ESC/POS bytes and a PNG preview of the same blocks, layout.py,
paper.py, preview.py), the connections to the printer (connections.py), the print queue that sends
jobs off the request path (jobs.py, service.py), and the printer-agent of a kiosk PC (agent.py).

Nothing is imported here: the printer-agent imports this package on a kiosk PC and must not pay
for the server's layout and preview (Pillow, qrcode, python-escpos's printer classes).
"""
