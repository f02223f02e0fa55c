"""Cloud-free pieces every provider shares. Imports ``orchestrator.state`` only: no SDK, no cloud
package, so a rule written here holds the same way on AWS, Alibaba and Azure."""
