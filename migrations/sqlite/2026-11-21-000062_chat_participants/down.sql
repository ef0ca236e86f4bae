DROP TABLE chat_agents;
