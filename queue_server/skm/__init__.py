"""The SKM survey (Survei Kepuasan Masyarakat, Permenpan RB 14/2017): its questions, the responses of
served visitors, and the index (IKM) computed from them. Plain Python, no Flask."""
