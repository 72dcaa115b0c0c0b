"""Application services: commands over the domain, the scheduler and the simulated devices."""
