DROP TABLE routing_steps;
