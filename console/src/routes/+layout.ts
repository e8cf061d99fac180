// A single-page app: pages render in the browser and read the REST API.
export const ssr = false;
export const prerender = false;
