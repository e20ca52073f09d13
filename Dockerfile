FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY services ./services
COPY connectors ./connectors
COPY contracts ./contracts
COPY tsconfig.json ./
ENV NODE_ENV=production PORT=8080
EXPOSE 8080
CMD ["npm", "start"]
