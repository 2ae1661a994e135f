#!/bin/sh
# What the first tutorial ran, kept as it was written.
kubectl create namespace emqx
kubectl -n emqx run emqx \
  --image=emqx/emqx:4.4.19 \
  --generator=run-pod/v1
kubectl -n emqx get pods
