"""The import pipeline: upload, detect, preview, map, commit in bulk as a job, report."""
