"""Analysis of videos: the analyzer (a source through the pipeline into outputs), its writer, batches of videos and
their HTML report."""
