"""Booking from home: sessions with places, booked visits found by a code, and check-in
at the kiosk into the one fair queue.

Plain Python, no Flask: ``desk.Bookings`` holds the rules, ``store`` all their SQL, ``sweep`` the
thread that expires bookings and forgets names; the web layer is queue_server/booking_api.py.
"""
