# The link agent of the swarm runtime (harness/runtime/swarm/agent/): one per machine, a global service on the run's
# overlay network. Built by harness/runtime/swarm/agent-image.ts from a context holding only the bundle
# (dist/agent/sumnet-agent.mjs, made by `npm run build`) and this file:
#   docker build -f agent.Dockerfile --build-arg NODE_IMAGE=sumnet/node-base:20 -t sumnet/agent <context>
# Configured by AGENT_PORT, AGENT_TOKEN, SUMNET_RUN and DOCKER_SOCKET (see harness/runtime/swarm/agent/main.ts).

ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    AGENT_PORT=9900
WORKDIR /app
COPY sumnet-agent.mjs /app/sumnet-agent.mjs
# root: the agent stops, kills and pauses this run's containers through the mounted Docker socket.
USER root
EXPOSE 9900
# node itself, not curl: the base image may have no curl.
HEALTHCHECK --interval=5s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:'+process.env.AGENT_PORT+'/'+process.env.AGENT_TOKEN+'/health',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
CMD ["node", "/app/sumnet-agent.mjs"]
