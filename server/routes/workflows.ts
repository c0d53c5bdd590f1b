import { newRouter, type RouteModule } from '../context';

export const workflowRoutes: RouteModule = () => newRouter();
