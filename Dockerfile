# The release image, built by goreleaser (dockers_v2 in .goreleaser.yaml)
# from the static binary it built: not buildable from a bare checkout, and
# not built in CI (no container engine there; see docs/release.md).
#
# git is in it because dbguard hook pre-commit and the ci gate's credential
# scan read the repository through git; the mounted repository belongs to
# another user, hence safe.directory.
FROM alpine:3.22
RUN apk add --no-cache ca-certificates git \
 && git config --system --add safe.directory '*' \
 && adduser -D -H -u 10001 dbguard
ARG TARGETPLATFORM
COPY $TARGETPLATFORM/dbguard /usr/local/bin/dbguard
USER dbguard
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/dbguard"]
