"""The build: the pipeline (load → parse → lower → checks → backends → write), caches, the build stamp."""
