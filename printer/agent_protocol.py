"""What the hall server and a kiosk PC's printer-agent say to each other over Socket.IO.

Both ends import this module: the server's namespace (agent_namespace.py, which needs Flask and the
hall's database) and the agent (agent.py, which runs on a kiosk PC with neither), so it imports nothing.

Protocol (namespace ``/printer-agent``):
  - connect with ``auth = {kiosk, key}``: the kiosk must be configured with ``printer: agent`` and
    the key must be the one ``antre printer-agent-key KIOSK`` issued (only its SHA-256 is stored).
  - agent → ``ready`` ``{status?, error?}``: send me every job not acknowledged yet (after each
    (re)connect); server → ``job`` ``{id, ticket_id, data}`` (``data``: the ESC/POS bytes).
  - agent → ``ack`` ``{id}`` after printing (or on seeing a job it printed before);
    agent → ``status`` ``{status: ok|offline|paper_out, error?, job?}`` for staff.
"""

NAMESPACE = "/printer-agent"
STATUSES = ("ok", "offline", "paper_out")
