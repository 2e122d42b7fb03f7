# syntax=docker/dockerfile:1
#
# Velro's container image: a static binary (no cgo: SQLite is pure Go) on an
# empty base, run as an unprivileged user. Build from the repository root:
#
#   docker build -t velro:dev --build-arg VERSION=$(git describe --always) .
#
# Base images are pinned by version tag; pin them by digest as well in a
# registry you control (the digests cannot be looked up where this file was
# written, and a wrong one would break the build).

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/velro-ai/velro.Version=${VERSION}" \
      -o /out/velro ./cmd/velro
# What the empty final image needs: a data dir and /tmp writable by the
# runtime user, and the CA bundle for https (FAL, S3).
RUN mkdir -p /out/rootfs/data /out/rootfs/tmp && chmod 1777 /out/rootfs/tmp

FROM scratch AS runtime
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build --chown=65532:65532 /out/rootfs/ /
COPY --from=build /out/velro /velro
# 65532 is the conventional "nonroot" id; no shell or package manager here.
USER 65532:65532
ENV VELRO_DATA_DIR=/data VELRO_ADDR=:8080
EXPOSE 8080
VOLUME /data
ENTRYPOINT ["/velro"]
CMD ["serve"]
