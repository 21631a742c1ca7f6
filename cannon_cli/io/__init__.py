"""Records in and out: the batch reader and writers, batch streaming through the solver, the
human output, and the pictures."""
