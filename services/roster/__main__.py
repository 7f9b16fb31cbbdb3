from shared.service import main
from services.roster.service import definition

main(definition())
