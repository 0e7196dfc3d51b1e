"""The write path: readers → clean → detect language → translate → index."""
