# The driver of a compose project made by `sumnet compose`: the harness in a container (`sumnet drive --compose`),
# playing a scenario's steps against the project's peers, and serving the dashboard of what it plays (port 8080).
# Built from the repository root, like the dashboard image:
#   docker build -f docker/driver.Dockerfile -t sumnet/driver .
# Where no registry is reachable: --build-arg NODE_IMAGE=sumnet/node-base:20 (docker/build-base-image.sh).
# It needs the Docker socket mounted (/var/run/docker.sock) for kills and restarts, and runs as root to use it.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# The same first steps as the peer image's build stage (Dockerfile), so the engine reuses that layer.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY contract ./contract
COPY node ./node
COPY harness ./harness
# The harness compiled as in the package (dist/), then the development dependencies dropped.
RUN node_modules/.bin/tsc -p tsconfig.build.json && npm prune --omit=dev --no-audit --no-fund

ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json /app/package.json
COPY --from=build /src/node_modules /app/node_modules
COPY --from=build /src/dist /app/dist
# The dashboard it serves: the page's hand-written assets, where the compiled server looks for them.
COPY --from=build /src/harness/watch/static /app/harness/watch/static
ENTRYPOINT ["node", "/app/dist/harness/cli/main.js"]
CMD ["drive", "--compose"]
