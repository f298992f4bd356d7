"""snapshot-crashtest: crash-injection harness for programs built with snapshot-cc.

Oracle: every successful msync defines an image of the file; after any crash and recovery the file
must be byte-identical to the last acknowledged image or to the one being committed.
"""
