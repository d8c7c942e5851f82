# feishu-mock in a container: one static binary and nothing else.
#
#   docker build -t feishu-mock .
#   docker run --rm -p 8080:8080 feishu-mock
#
# The binary listens on 0.0.0.0:8080 inside the container (FEISHU_MOCK_HOST, FEISHU_MOCK_PORT);
# every flag of `feishu-mock serve` has a FEISHU_MOCK_* variable, e.g. -e FEISHU_MOCK_SEED=1.
# HEALTHCHECK runs `feishu-mock health`, which probes GET /__mock/health on FEISHU_MOCK_PORT,
# so it follows a changed port without curl in the image.
#
# BINARY=prebuilt takes an already built static binary from the build context instead of
# compiling (.ci/run does so, with the context holding only `feishu-mock`):
#   docker build --build-arg BINARY=prebuilt -f Dockerfile -t feishu-mock CONTEXT_DIR
ARG BINARY=build

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# A static glibc binary: it runs in an empty image. Only numeric addresses are resolved (no
# NSS), which is all a bind address or the health probe needs.
RUN RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --locked --target x86_64-unknown-linux-gnu --bin feishu-mock \
 && cp target/x86_64-unknown-linux-gnu/release/feishu-mock /feishu-mock

FROM scratch AS prebuilt
COPY feishu-mock /feishu-mock

FROM ${BINARY} AS binary

FROM scratch
COPY --from=binary /feishu-mock /feishu-mock
ENV FEISHU_MOCK_HOST=0.0.0.0 \
    FEISHU_MOCK_PORT=8080
EXPOSE 8080
USER 65534:65534
HEALTHCHECK --interval=5s --timeout=3s --start-period=1s --retries=3 CMD ["/feishu-mock", "health"]
ENTRYPOINT ["/feishu-mock"]
CMD ["serve"]
