"""StandX's public market data as frames with their arrival times: followed live
(`live.py`: paper mode's exchange and `manage.py recordmarket`), kept in a recording file
(`recording.py`) and played back from one (`replay.py`: `runsim --replay`). Public streams
and public REST only: nothing here holds a token or a signing key.
"""
