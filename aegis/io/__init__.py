"""Files in and out: frame readers, image and video sizes read from headers, atomic writes and content digests."""
