// A throwaway nginx for the tests and the benchmarks: one worker, in the foreground, its pid,
// log and temp files in `dir`; the caller gives what goes in its http block.
export function nginxMainConfig(dir: string, http: string): string {
  // As root, the workers read DATA_DIRs that only root may read (the test's temp dirs).
  return `
${process.getuid?.() === 0 ? 'user root root;' : ''}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${http}
}
`;
}
