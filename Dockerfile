# The cozy-proxmox worker image: the compiled CLI with production dependencies only, helm for the chart steps,
# running as the unprivileged `node` user. The same image serves `codec-server` (override the command).
#
#   docker build -t cozy-proxmox .
#   docker run --rm -e TEMPORAL_ADDRESS=temporal.example:7233 cozy-proxmox            # worker
#   docker run --rm cozy-proxmox --help
#
# Configuration is by environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE,
# COZY_PROXMOX_CODEC_KEY_FILE (payload encryption, off when empty), COZY_PROXMOX_LOG_LEVEL.

ARG NODE_VERSION=20
ARG HELM_VERSION=3.19.0
ARG GO_VERSION=1.24

# helm is a static binary; take it from its image rather than downloading it during the build.
FROM alpine/helm:${HELM_VERSION} AS helm

# The providers' release components the cozy-capi-providers-proxmox chart ships to cluster-api-operator (fetchConfig
# ConfigMaps, for installations without internet access): built from their Go modules as `npm run tools` builds
# them, then copied to fixed folders.
FROM golang:${GO_VERSION}-bookworm AS components
WORKDIR /src
COPY scripts ./scripts
RUN COZY_PROXMOX_CACHE=/cache bash scripts/tools.sh capi-components \
 && mkdir -p /out \
 && cp -r "$(sed -n 's/^COMPONENTS_CAPMOX=//p' /cache/tools.env)" /out/capmox \
 && cp -r "$(sed -n 's/^COMPONENTS_CAPI_IPAM=//p' /cache/tools.env)" /out/capi-ipam

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The product alone: the sandbox workspace (packages/) is neither copied nor installed.
RUN npm ci --workspaces=false --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build:product \
 && npm prune --omit=dev --workspaces=false --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    HELM=/usr/local/bin/helm \
    COZY_PROXMOX_CACHE=/home/node/.cache/cozy-proxmox \
    TEMPORAL_ADDRESS=127.0.0.1:7233 \
    TEMPORAL_NAMESPACE=default \
    TEMPORAL_TASK_QUEUE=cozy-proxmox \
    COZY_PROXMOX_CODEC_KEY_FILE= \
    COZY_PROXMOX_LOG_LEVEL=INFO \
    COMPONENTS_CAPMOX=/app/components/capmox \
    COMPONENTS_CAPI_IPAM=/app/components/capi-ipam
WORKDIR /app
COPY --from=helm /usr/bin/helm /usr/local/bin/helm
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY charts ./charts
COPY --from=components /out ./components
# Secrets, kubeconfig, the Proxmox CA and codec keys are mounted here read-only; config references point inside.
RUN mkdir -p /run/cozy-proxmox /home/node/.cache/cozy-proxmox && chown node:node /home/node/.cache/cozy-proxmox
USER node
# The worker's young-generation cap (src/worker-memory.ts): on the command line, so that the main thread has it too.
ENTRYPOINT ["node", "--max-semi-space-size=4", "bin/cozy-proxmox.js"]
CMD ["worker"]
