# syntax=docker/dockerfile:1
# airbyte/source-usertesting: the tap as an Airbyte source. Build and push (Airbyte runs amd64 images;
# build for amd64 even on an arm machine, or both for a multi-arch image):
#   docker buildx build --platform linux/amd64 -t airbyte/source-usertesting:dev .
# The image follows Airbyte's connector conventions (docs "airbyte-protocol-docker"; the base images in
# airbyte-ci/connectors/base_images): a user named airbyte with uid 1000 who owns /airbyte, absolute
# paths in ENTRYPOINT, AIRBYTE_ENTRYPOINT equal to it, and io.airbyte.* labels equal to metadata.yaml.
# test/packaging/dockerfile.test.ts checks all of that; test/packaging/production-install.test.ts runs
# the runtime stage's install and commands outside Docker.

# Build stage: TypeScript to dist/. Its output is plain JavaScript, the same on every platform, so it runs
# on the builder's own platform (no emulation when an arm machine builds the amd64 image).
FROM --platform=$BUILDPLATFORM node:20.20.2-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
# --ignore-scripts: package.json's `prepare` runs tsc, which would fail here before src/ is copied; no
# package needed by tsc has an install script (only esbuild, for tsx, which the build does not use).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies for the target platform (DuckDB's native binding comes as a
# per-platform optional package), the built code, the schemas and the catalog.
FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production
# The node image's own user has uid 1000, the uid of Airbyte's airbyte user: rename it rather than add a
# second user with another uid.
RUN groupmod --new-name airbyte node \
  && usermod --login airbyte --home /airbyte node \
  && rm -rf /home/node \
  && mkdir -p /airbyte/integration_code \
  && chown -R airbyte:airbyte /airbyte
ENV HOME=/airbyte
WORKDIR /airbyte/integration_code
USER airbyte
COPY --chown=airbyte:airbyte package.json package-lock.json ./
# --omit=dev: no compiler, test runner or linter in the image. --ignore-scripts: no production
# dependency has an install script (the production-install test checks the lockfile for it), and
# `prepare` must not run tsc here.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier \
  && rm -rf "$HOME/.npm"
COPY --from=build --chown=airbyte:airbyte /build/dist ./dist
COPY --chown=airbyte:airbyte schemas ./schemas
COPY --chown=airbyte:airbyte catalog.json ./

ENV AIRBYTE_ENTRYPOINT="/usr/local/bin/node /airbyte/integration_code/dist/cli/tap.js"
ENTRYPOINT ["/usr/local/bin/node", "/airbyte/integration_code/dist/cli/tap.js"]

LABEL io.airbyte.name=airbyte/source-usertesting
LABEL io.airbyte.version=0.1.0
